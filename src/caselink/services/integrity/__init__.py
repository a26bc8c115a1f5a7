"""Recording integrity as a service: the figures of write-offs by force with their limits
(figures), audit samples and registrars' verdicts (audit), the screen that ranks write-offs by
the risk that they were wrongly decided (screening), and the inspection report (report)."""
