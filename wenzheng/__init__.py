"""The local side of Wenzheng: the `wenzheng` command, the embedded server (site + API on one
port), the demo city and the importer of a city's old letters. Never shipped in the function."""
