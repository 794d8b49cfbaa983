-- What the last publication was made of (a hash of its inputs) and what it
-- published (its summary and record accounting), so that a new process
-- finding nothing changed skips the publication instead of redoing it.
CREATE TABLE publication_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    input_key TEXT NOT NULL,
    lieux_seq BIGINT NOT NULL,
    summary JSONB NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL
);
