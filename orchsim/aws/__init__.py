"""Every AWS fact and price, one home each: billing rules and constants, the price book, metering, cost, calculator."""
