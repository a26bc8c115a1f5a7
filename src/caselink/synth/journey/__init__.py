"""The synthetic victim's journey: every report's path from first contact to its outcome, with
its ground truth. ``assembly`` draws and writes it from the other modules: first response and
support (``first_response``), how each case ends (``fates``) and the investigation's steps
(``investigation``), Victims' Code updates (``victims_code``), the steps in time order
(``steps``), and the calibration figures it reproduces (``figures``)."""
