-- Failed-login counters expire: every failed login first removes the counters whose window and lock are
-- both over (DELETE ... WHERE window_ticks < now - window AND locked_until <= now). This index keeps that
-- look-up small however many counters an attack left behind.

CREATE INDEX auth_failure_window ON auth_failure (window_ticks);
