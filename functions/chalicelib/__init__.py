"""Wenzheng (问政) core: the domain, the use cases and the store adapters the function ships with.

Everything in this package runs inside the Lambda function and locally; nothing here imports
Pelican or moto. Internal imports are relative so the package works under any parent name.
"""
