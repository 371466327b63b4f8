"""What every venue adapter shares: the open-interest / funding normaliser and contract specifications."""
