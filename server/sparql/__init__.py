"""The SPARQL 1.1 Protocol endpoint, its service description and its query editor."""
