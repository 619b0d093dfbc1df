"""The course: seven lessons of calculus for machine learning, plus the Day 39 practice set.

Lessons are content (package data) plus worked examples that call the library;
exercises are graded by :mod:`calcml.course.grading`; ``calcml course`` writes
the whole course as one HTML page with figures (:mod:`calcml.course.report`).
"""
