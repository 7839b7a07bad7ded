// Everything is in the header; the target needs one source file.
