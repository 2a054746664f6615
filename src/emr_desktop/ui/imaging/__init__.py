"""Imaging in the GUI: the chart's "Hình ảnh" tab with its study and series browser, the image
viewer, DICOM import from CD/USB and the PACS search.

Parsing and decoding (`emr_desktop.imaging`) run on a dedicated imaging worker, storing and
reading (`services.imaging`) on the database worker: the window never waits for either.
"""
