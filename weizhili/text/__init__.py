"""Pure-Python text tools (address parsing, classification, repeat detection). Imports no Django."""
