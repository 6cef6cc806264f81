"""Health Equity Explorer: where health outcomes and service uptake fall short in LLR."""
