"""Forms of the admin pages, one module per topic."""
