"""The SCARE's admin side: the console (French) and its JSON API, in the process that owns the warehouse."""
