"""kube-scheduler's default-profile plugins, one module each, named after the plugin.

Filter plugins expose ``NAME`` and ``filter_node`` (static: depends only on the pod and the
node object) or ``filter`` (dynamic: reads a :class:`~priocli.framework.NodeView` and the
cycle's pre-filter state). Score plugins expose ``score`` helpers used by
:mod:`priocli.scheduler`. Reason strings are kube-scheduler v1.29.4's, word for word.
"""
