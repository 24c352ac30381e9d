"""Route modules; each only translates HTTP to a service call and back."""
