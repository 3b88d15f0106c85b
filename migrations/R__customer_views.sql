CREATE OR REPLACE VIEW customer_summary AS
SELECT c.id,
       c.email,
       c.full_name,
       count(o.id)               AS orders,
       order_total_for(c.id)     AS lifetime_cents
  FROM customer c
  LEFT JOIN customer_order o ON o.customer_id = c.id
 GROUP BY c.id;
