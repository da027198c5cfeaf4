# Seed document §2.1.2, as written (with the imports of §2.1.1).
import os
from e2b_code_interpreter import Sandbox

with Sandbox.create(template="code-interpreter", timeout=300) as sbx:
    sbx.run_code("print('hello world')")
