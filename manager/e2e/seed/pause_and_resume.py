# Seed document §2.1.5, as written (with the imports of §2.1.1); the last run_code's output is
# printed so that the test can see `print(a)` gave 1 after the resume.
import os
from e2b_code_interpreter import Sandbox

with Sandbox.create(template="code-interpreter", timeout=300) as sbx:
    # Pause the sandbox
    sbx.run_code("a = 1")
    sbx.beta_pause()
    
    # Resume the sandbox
    sbx.connect()
    print(sbx.run_code("print(a)").logs.stdout)
