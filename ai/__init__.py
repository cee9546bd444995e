"""The AI assistant: answers customers first and hands conversations to a human when it must."""
