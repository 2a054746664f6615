"""DICOM imaging: reading and checking DICOM files and media, the pixel pipeline and the
PACS client (DICOMweb). Draws on core, pydicom, numpy and requests only (DESIGN §2): what is
kept in the store goes through `services.imaging`, and the GUI glues the two."""
