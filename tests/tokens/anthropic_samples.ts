/**
 * Real Anthropic usage figures for known texts, from public API recordings, used to check the Claude estimate's
 * stated error bound. Sources (pydantic/pydantic-ai, tests/models/cassettes/test_anthropic/):
 * - test_anthropic_cache_count_tokens.yaml: `count_tokens` and the answer (`output_tokens`), claude-sonnet-4-5;
 * - test_anthropic_model_instructions.yaml: claude-3-opus-latest; and tests/fixtures/captures/anthropic/.
 *
 * @module
 */

/** One measured sample: chat messages (or a completion text) and the tokens Anthropic reported. */
export interface AnthropicSample {
  name: string;
  model: string;
  kind: "prompt" | "output";
  system?: string;
  text: string;
  reported: number;
}

/** The answer text of test_anthropic_cache_count_tokens.yaml (output_tokens 414). */
export const MARKDOWN_ANSWER = `# What is Python?

**Python** is a high-level, interpreted programming language created by Guido van Rossum and first released in 1991. It emphasizes code readability and simplicity, with a clean syntax that uses indentation to define code blocks.

## Key Characteristics:
- **Easy to learn and read** - syntax resembles natural English
- **Interpreted** - code runs line-by-line without compilation
- **Dynamically typed** - no need to declare variable types
- **Multi-paradigm** - supports procedural, object-oriented, and functional programming
- **Extensive libraries** - vast ecosystem of packages and frameworks

## Main Use Cases:

### 1. **Data Science & Machine Learning**
- Data analysis and visualization (pandas, NumPy, Matplotlib)
- Machine learning models (scikit-learn, TensorFlow, PyTorch)
- Statistical analysis

### 2. **Web Development**
- Backend frameworks (Django, Flask, FastAPI)
- Building APIs and web applications

### 3. **Automation & Scripting**
- Task automation
- System administration
- File processing and batch operations

### 4. **Scientific Computing**
- Research simulations
- Mathematical computations (SciPy)
- Academic research

### 5. **Artificial Intelligence**
- Natural language processing
- Computer vision
- Deep learning applications

### 6. **Software Development**
- Desktop applications
- Prototyping
- DevOps tools

### 7. **Game Development**
- Pygame for 2D games
- Game scripting

### 8. **Cybersecurity**
- Penetration testing
- Security analysis tools

Python's versatility, beginner-friendliness, and strong community support make it one of the most popular programming languages in the world today.`;

/** The samples. */
export const ANTHROPIC_SAMPLES: AnthropicSample[] = [
  {
    name: "count_tokens, 5.4 KB prose prompt",
    model: "claude-sonnet-4-5",
    kind: "prompt",
    system: "You are a helpful assistant.",
    text: "Please explain what Python is and its main use cases. ".repeat(100),
    reported: 1114,
  },
  {
    name: "markdown answer",
    model: "claude-sonnet-4-5",
    kind: "output",
    text: MARKDOWN_ANSWER,
    reported: 414,
  },
  {
    name: "short prompt (captures/anthropic/stream-sonnet-4-5)",
    model: "claude-sonnet-4-5",
    kind: "prompt",
    text: "What is 1+1? Answer with just the number.",
    reported: 20,
  },
  {
    name: "short prompt with system (claude-3-opus)",
    model: "claude-3-opus-latest",
    kind: "prompt",
    system: "You are a helpful assistant.\n\n",
    text: "What is the capital of France?",
    reported: 20,
  },
];
