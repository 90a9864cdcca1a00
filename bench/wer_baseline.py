# SPDX-License-Identifier: Apache-2.0
"""bench/wer.sh's two halves in Python.

  wer_baseline.py model DIR      write a whisper-base-sized random export (tools/export/whisper.py's
                                 CachedWhisper over a random model: 6 decoder layers of 512, 8 heads,
                                 51 865 logits) and the tokenizer files of the test stand-in
  wer_baseline.py run DIR WAV... Python's path over the same TorchScript module: ffmpeg decode to
                                 16 kHz mono, the log-mel in torch, greedy decoding with the same
                                 suppression rules and stop conditions; prints seconds and tokens
"""
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "wer"))


def load_export():
    spec = importlib.util.spec_from_file_location("whisper_export", os.path.join(here, "..", "tools", "export", "whisper.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def make_model(d):
    import fake_hf_whisper
    import make_whisper_standin
    hf = fake_hf_whisper.make(D=512, H=8, L=6, V=51865, MELS=80)
    torch.jit.script(load_export().CachedWhisper(hf, 80).eval()).save(os.path.join(d, "whisper-base.pt"))
    tmp = os.path.join(d, "standin")
    os.makedirs(tmp, exist_ok=True)
    make_whisper_standin.main(tmp)
    for f in ("vocab.json", "added_tokens.json", "generation_config.json"):
        os.replace(os.path.join(tmp, "whisper-base." + f), os.path.join(d, "whisper-base." + f))


def run(d, wavs):
    import mel_ref
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)
    m = torch.jit.load(os.path.join(d, "whisper-base.pt"))
    gen = json.load(open(os.path.join(d, "whisper-base.generation_config.json")))
    langs = torch.tensor(sorted(gen["lang_to_id"].values()))
    sup, bsup = torch.tensor(gen["suppress_tokens"]), torch.tensor(gen["begin_suppress_tokens"])
    t0 = time.perf_counter()
    tokens = 0
    for w in wavs:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", w, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"],
                             check=True, stdout=subprocess.PIPE).stdout
        x = np.frombuffer(raw, dtype=np.float32)
        feats = torch.from_numpy(mel_ref.log_mel(x)).unsqueeze(0)
        m.begin(feats)
        logits = m.step(torch.tensor([[gen["decoder_start_token_id"]]]))
        lang = int(langs[logits[0, langs].argmax()])
        ids = torch.tensor([[lang, gen["task_to_id"]["transcribe"], gen["no_timestamps_token_id"]]])
        for i in range(256):
            logits = m.step(ids)[0]
            logits[sup] = -float("inf")
            if i == 0:
                logits[bsup] = -float("inf")
            nxt = int(logits.argmax())
            tokens += 1
            if nxt == gen["eos_token_id"]:
                break
            ids = torch.tensor([[nxt]])
    print(f"{time.perf_counter() - t0:.3f} {tokens}")


if __name__ == "__main__":
    if sys.argv[1] == "model":
        make_model(sys.argv[2])
    else:
        run(sys.argv[2], sys.argv[3:])
