"""Who performed an action: recorded in events (e.g. ``assigned_by``) and used for checks."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "agent" | "customer" | "api_key" | "system" | "ai"
    agent: object | None = None
    customer: object | None = None
    api_key: object | None = None

    @classmethod
    def of_agent(cls, agent) -> "Actor":
        return cls("agent", agent=agent)

    @classmethod
    def of_customer(cls, customer) -> "Actor":
        return cls("customer", customer=customer)

    @classmethod
    def of_api_key(cls, api_key) -> "Actor":
        return cls("api_key", api_key=api_key)

    @classmethod
    def system(cls) -> "Actor":
        return cls("system")

    @classmethod
    def ai(cls) -> "Actor":
        return cls("ai")

    def snapshot(self) -> dict:
        # An API key that names an agent still acted itself: the key is recorded.
        if self.kind == "api_key" and self.api_key is not None:
            return {"type": "api_key", "id": self.api_key.pk, "name": self.api_key.name}
        if self.agent is not None:
            return {"type": "agent", "id": self.agent.pk, "name": self.agent.display_name}
        if self.customer is not None:
            return {"type": "customer", "id": self.customer.pk, "name": self.customer.name}
        if self.api_key is not None:
            return {"type": "api_key", "id": self.api_key.pk, "name": self.api_key.name}
        return {
            "type": self.kind,
            "id": None,
            "name": "PingBack AI" if self.kind == "ai" else "PingBack",
        }
