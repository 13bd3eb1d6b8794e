"""How personal data is shown by default: masked (docs/security.md)."""
import re


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    return phone[:3] + "*" * max(len(phone) - 5, 1) + phone[-2:]


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


_ROOM = re.compile(r"(\d{3,4})(室|号)?$")


def mask_room(address: str) -> str:
    """Hide the room number at the end of an address: 君临天下 3号楼 2单元 501 → 君临天下 3号楼 2单元 ***."""
    return _ROOM.sub(lambda m: "***" + (m.group(2) or ""), address or "")
