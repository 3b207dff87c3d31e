"""``inputs.schemas.encoded.json_text``: JSON text is decoded whatever its length."""

from __future__ import annotations

import json

from provcheck.inputs.schemas.encoded import MAX_CHARS, json_text


def test_json_text_longer_than_the_base64_limit_is_decoded() -> None:
    # A chat serialised with ensure_ascii, longer than MAX_CHARS: it was read with its escapes
    # (\u5149...), "1 turn scanned", and a Chinese copy in it matched nothing.
    answer = "光明的未来属于那些相信梦想之美的人。" * (MAX_CHARS // 100)
    value = json.dumps([{"role": "user", "content": "问题"}, {"role": "assistant", "content": answer}])
    assert len(value) > MAX_CHARS and "\\u5149" in value
    decoded = json_text(value)
    assert decoded is not None and answer in decoded and "\\u" not in decoded
