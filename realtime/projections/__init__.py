"""The projection tables of the realtime surfaces (see ``conversations.events.projection``)."""
