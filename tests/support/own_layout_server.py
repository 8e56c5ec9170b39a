"""``python -m llama_cpp.server`` with the weights in the GGUF's own layout, as the embedded provider loads them.

llama.cpp's own server has ``--no-repack`` for this; llama-cpp-python's has no such option, so this module sets
``use_extra_bufts`` off in the model parameters the server builds (the provider's
``_local._without_repacking``) and then runs the server's own ``__main__`` unchanged, with the same arguments.
With ``GGML_CPU_TILED_MM=0``, which it sets unless the environment has it, every row of a batch is computed alone
by the same kernel, as in the provider.

    python -m tests.support.own_layout_server --model X.gguf --flash_attn true …
"""

from __future__ import annotations

import os
import runpy

from psychometrics.administer.providers._local import TILED_MM, _without_repacking

if __name__ == "__main__":
    os.environ.setdefault(TILED_MM, "0")  # read at the server's first product (0.06 apart without it)
    with _without_repacking():
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
