"""One module per lesson. Each has ``NUMBER``, ``TITLE``, ``SUMMARY`` and ``build(run)``,
which appends the lesson's blocks to a :class:`~calcml.course.model.LessonRun`."""
