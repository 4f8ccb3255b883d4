"""Sales: customers, invoices and credit notes, their legal numbering, PDF and Factur-X."""
