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


# A mobile number inside free text (callers leave theirs in complaints), with or without separators, and
# landlines with an area code (0531-8888 8888).
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})(?!\d)|(?<!\d)(0\d{2,3})[-\s]?\d{3,4}[-\s]?(\d{4})(?!\d)")


def mask_phones_in_text(text: str) -> str:
    """Mask every phone number found in a text: 请联系13912345678 → 请联系139****5678."""
    return _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1) or m.group(3)}****{m.group(2) or m.group(4)}", text or "")


# A mainland ID number inside free text: 17 digits and a digit or X (15-digit old numbers too).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])|(?<!\d)(\d{6})\d{5}(\d{4})(?!\d)")


def mask_numbers_in_text(text: str) -> str:
    """Mask the ID numbers and phone numbers a person typed into free text (ID numbers first: an ID number
    holds 11-digit runs a phone pattern would otherwise take)."""
    masked = _ID_IN_TEXT.sub(lambda m: (f"{m.group(1)}********{m.group(2)}" if m.group(1)
                                        else f"{m.group(3)}*****{m.group(4)}"), text or "")
    return mask_phones_in_text(masked)
