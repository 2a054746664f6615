"""Exchange with other systems: the chart mapped to standard formats (FHIR R4).

Pure mapping from `core` records to standard resources; it reads no store, so the services
gather the data (and audit the read) and this package only translates it.
"""
