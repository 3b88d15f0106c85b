CREATE INDEX customer_order_customer_idx ON customer_order (customer_id, placed_at DESC);
