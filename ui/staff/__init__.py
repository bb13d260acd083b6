"""Staff mode: PIN sign-in, the reception list, and the administrator's tools."""
