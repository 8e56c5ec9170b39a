"""Stage 2 of the pipeline: the plan — every prompt that will be asked, as explicit cells.

A plan is the cross-product item × template × option order × sample × persona for one model. Each
:class:`Cell` holds the exact prompt, the labels shown and the original value behind each label.
"""

from psychometrics.plan._build import PersonaSpec, build_plan, cell_id, plan_size_summary
from psychometrics.plan._interview import (
    INTERVIEW_KINDS,
    build_interview_plan,
    interview_dir,
    load_interview_template,
    rating_cells,
    template_name,
)
from psychometrics.plan._markers import (
    LEVEL_NAMES,
    LEVEL_SUBSETS,
    LEVELS,
    MarkerPair,
    MarkerSet,
    level_description,
    load_markers,
    markers_path,
    resolve_levels,
)
from psychometrics.plan._model import (
    PROMPT_FORMATS,
    Cell,
    CellRole,
    Design,
    InterviewDesign,
    GenerationSettings,
    Mode,
    Plan,
    PromptFormat,
    ReasoningEffort,
)
from psychometrics.plan._orders import ORDER_NAMES, concrete_orders, expand_orders, order_permutation
from psychometrics.plan._personas import (
    Biography,
    Instruction,
    Persona,
    PersonaError,
    PersonaSet,
    ShapingTarget,
    list_persona_sets,
    load_persona_set,
    parse_shaping_id,
    persona_dir,
    persona_ids,
    personas_of,
    resolve_persona,
    shaping_id,
)
from psychometrics.plan._render import (
    bipolar_option_texts,
    labels_for,
    list_templates,
    load_template,
    option_texts,
    option_values,
    prompts_dir,
    render_prompt,
    validate_template_file,
)

__all__ = [
    "ORDER_NAMES", "PROMPT_FORMATS", "Cell", "CellRole", "Design", "GenerationSettings", "Mode", "PersonaSpec", "Plan",
    "PromptFormat", "ReasoningEffort", "bipolar_option_texts",
    "build_plan", "cell_id", "concrete_orders", "expand_orders", "labels_for", "list_templates", "load_template",
    "option_texts", "option_values", "order_permutation", "plan_size_summary", "prompts_dir", "render_prompt",
    "validate_template_file",
    # persona sets
    "Biography", "Instruction", "Persona", "PersonaError", "PersonaSet", "ShapingTarget", "list_persona_sets",
    "load_persona_set", "parse_shaping_id", "persona_dir", "persona_ids", "personas_of", "resolve_persona",
    "shaping_id",
    # shaping markers (the level sentences of shaping personas)
    "LEVELS", "LEVEL_NAMES", "LEVEL_SUBSETS", "MarkerPair", "MarkerSet", "level_description", "load_markers",
    "markers_path", "resolve_levels",
    # interviews (open questions read by raters)
    "INTERVIEW_KINDS", "InterviewDesign", "build_interview_plan", "interview_dir", "load_interview_template",
    "rating_cells", "template_name",
]
