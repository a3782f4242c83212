"""Use cases: each public function is one verb, run in one unit of work (one transaction)."""
