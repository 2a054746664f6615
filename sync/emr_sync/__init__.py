"""The central sync server: enrollment, push, pull and merge for a hospital's PCs."""
