"""Socket.IO handlers: the widget protocol (seed "pingback-realtime-socketio") and agent sockets,
split along their seams:

- ``state``: what a socket proved at connect (``SocketState``), per process;
- ``connection``: connection auth, rooms, presence, disconnect;
- ``plumbing``: the wrapper every handler goes through and the conversations a socket may use;
- ``messages``: sending (customers and agents);
- ``customer_handlers``: the widget protocol's events;
- ``agent_handlers``: events only agent sockets may send;
- ``identity_handlers``: ``identify`` (verified identity, teamtools.actions.identity).

Importing this package registers every handler on ``realtime.sio.sio``.
"""

from realtime.widget import (  # noqa: F401
    agent_handlers,
    connection,
    customer_handlers,
    identity_handlers,
)
