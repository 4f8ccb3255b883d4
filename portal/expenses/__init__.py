"""Expense receipts and mileage claims: captured by entrepreneurs, checked by the support team."""
