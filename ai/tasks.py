"""Celery task: the assistant's answer runs off the request path (a worker, or the
in-process pool of ``pingback.tasks`` in the embedded default)."""

from celery import shared_task

from ai import flow


@shared_task(name="ai.reply_to_message", ignore_result=True)
def reply_to_message(message_id: int) -> str:
    return flow.reply_to_message(message_id).action
