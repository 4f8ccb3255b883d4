"""The coop's settings pages, for admins. Each value is checked by the rule of the module that
uses it (invoice numbering in sales, payroll rates in salary), so these pages sit above those
modules; the settings themselves, which those modules read, are in portal/coop/."""
