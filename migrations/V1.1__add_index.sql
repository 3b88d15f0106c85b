-- strata:lint-ignore require-concurrent-index-creation customer_order is created by V1 of the same first release: empty when this runs
CREATE INDEX customer_order_customer_idx ON customer_order (customer_id, placed_at DESC);
