"""The live salary and margin projection: what the entrepreneur's activity can pay them."""
