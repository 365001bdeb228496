"""The static checker: never imports or runs the code it checks."""
