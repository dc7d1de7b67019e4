"""Reads inflight's usage from the exceptions the official `openai` Python SDK raises for a rejection.

Run by test/e2e/python-sdk.test.ts against `wrangler dev`: argv[1] is the Worker's base URL, argv[2] a JSON
object naming one upstream scenario (a `model`) per case. Prints one JSON object: per case, what the exception
exposes (its class, `code`, `type`, `status_code` and the `usage` found in `e.body`). The SDK keeps only the inner
`error` object of a streamed error event or of a 422 body in `e.body`, which is why inflight puts usage there.
"""

import json
import sys

import openai

MESSAGES = [{"role": "user", "content": "Summarise the meeting."}]


def caught(error: openai.APIError) -> dict:
    body = error.body if isinstance(error.body, dict) else {}
    return {
        "class": type(error).__name__,
        "code": error.code,
        "type": error.type,
        "status_code": getattr(error, "status_code", None),
        "rule": (body.get("rejection") or {}).get("rule"),
        "usage": body.get("usage"),
    }


def run(case):
    try:
        case()
    except openai.APIError as error:
        return caught(error)
    return {"class": None}


def main() -> None:
    base_url, models = sys.argv[1], json.loads(sys.argv[2])
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="test", max_retries=0, timeout=20)

    def chat_stream():
        stream = client.chat.completions.create(
            model=models["chat_stream"], messages=MESSAGES, max_tokens=2000, stream=True
        )
        for _ in stream:
            pass

    def chat_plain():
        client.chat.completions.create(model=models["chat_plain"], messages=MESSAGES, max_tokens=2000)

    def responses_stream():
        stream = client.responses.create(
            model=models["responses_stream"], input="Summarise the meeting.", max_output_tokens=2000, stream=True
        )
        for _ in stream:
            pass

    def responses_plain():
        client.responses.create(model=models["responses_plain"], input="Summarise the meeting.", max_output_tokens=2000)

    cases = {
        "chat_stream": chat_stream,
        "chat_plain": chat_plain,
        "responses_stream": responses_stream,
        "responses_plain": responses_plain,
    }
    print(json.dumps({"sdk": openai.__version__, **{name: run(case) for name, case in cases.items()}}))


if __name__ == "__main__":
    main()
