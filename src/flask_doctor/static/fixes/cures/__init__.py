"""One module per rule id: the cure of that rule (registered by defining its class)."""
