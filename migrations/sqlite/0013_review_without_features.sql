-- Review pairs keep their score only: the scorer's explanation of a pair
-- is computed when the pair is listed (maillage review list, explain),
-- which costs a few pairs' scoring instead of every pair's at each
-- publication.
ALTER TABLE review_pairs DROP COLUMN features;
