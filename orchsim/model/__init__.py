"""What is simulated: the scenario schema, duration distributions and the workflow graph."""
