"""Operations: functions that move data between the database and the pure packages.

They add and flush but never commit: the request handler or CLI command commits once.
"""
