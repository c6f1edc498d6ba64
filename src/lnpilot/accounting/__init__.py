"""The operator's economics: a ledger of every balance-changing event and the P&L read from it.

``ledger`` and ``pnl`` are pure (values in, values out); ``gather`` reads the store.
"""
