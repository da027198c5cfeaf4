/**
 * The Python kernel's startup code: this project's equivalent of the `startup_scripts` that E2B's
 * code-interpreter template puts into the kernel's IPython profile. It adds the display formats
 * the SDKs read beside the standard MIME types:
 *
 * - `e2b/data` (`result.data`): a pandas DataFrame as `{column: [values]}`;
 * - `e2b/chart` (`result.chart`): a matplotlib figure as E2B's chart structure, extracted by
 *   E2B's own `e2b_charts` package (PyPI `e2b-charts`), so chart types, elements and their
 *   fields are exactly what the SDKs' chart classes parse;
 * - `application/json` (`result.json`) for a `dict` or `list` value (numpy values converted);
 * - a PIL image saved to a path (`img.save("x.png")`) or shown (`img.show()`) is also displayed,
 *   as a PNG result.
 *
 * Why the runtime sends it (silently, right after each kernel start, with the cwd) instead of
 * installing a file under `~/.ipython/profile_default/startup`: kernels run as whichever user the
 * sandbox has, with that user's home, and the runtime ships as one bundled module; a profile file
 * would be a second copy of this behaviour that an image or a user could lose or let drift. Sent
 * by the runtime, it holds in every image that has ipykernel, and again after every restart.
 *
 * Nothing here imports pandas, matplotlib or PIL: each hook waits until the user's code has
 * imported them (`sys.modules`, an import hook), so an idle kernel stays small and `1 + 1` never
 * pays for pandas. A failing formatter yields no value rather than an error in the user's cell.
 *
 * @module
 */

/**
 * Python that registers the formatters and PIL hooks described in the module doc. Defines and
 * deletes one function, leaving the user's namespace as it was.
 */
export const PYTHON_STARTUP: string = `def __kruise_agents_startup():
    import json, os, sys
    from IPython.core.formatters import BaseFormatter, JSONFormatter
    from IPython.display import display
    from traitlets import ObjectName, Unicode

    ip = get_ipython()

    def plain(value):
        # numpy arrays and scalars, dates: what json cannot encode by itself.
        for name in ("tolist", "item", "isoformat"):
            if hasattr(value, name):
                return getattr(value, name)()
        raise TypeError(type(value).__name__)

    def as_json(value):
        # A JSON round trip: Jupyter's packer would drop a message holding NaN or numpy values.
        return json.loads(json.dumps(value, default=plain, allow_nan=False))

    def lazy_formatter(mime, module, type_name, convert):
        # A display formatter for mime: a value of module's type_name, once the user's code has
        # imported module, through convert (None when that fails); any other value as
        # BaseFormatter formats it (its _repr_e2b_*_ method).
        class Formatter(BaseFormatter):
            format_type = Unicode(mime)
            print_method = ObjectName("_repr_" + mime.replace("/", "_") + "_")
            _return_type = (dict, str)

            def __call__(self, obj):
                loaded = sys.modules.get(module)
                if loaded is not None and isinstance(obj, getattr(loaded, type_name)):
                    try:
                        return convert(obj)
                    except Exception:
                        return None
                return super().__call__(obj)

        return Formatter(parent=ip.display_formatter)

    def frame_columns(frame):
        split = json.loads(frame.to_json(orient="split", default_handler=str, date_format="iso"))
        return {str(c): [row[i] for row in split["data"]] for i, c in enumerate(split["columns"])}

    def figure_chart(figure):
        from e2b_charts import chart_figure_to_dict
        return as_json(chart_figure_to_dict(figure)) or None

    class JsonFormatter(JSONFormatter):
        def __call__(self, obj):
            if isinstance(obj, (dict, list)):
                try:
                    return as_json(obj), {"expanded": True}
                except (TypeError, ValueError):
                    pass
            return super().__call__(obj)

    formatters = ip.display_formatter.formatters
    formatters["e2b/data"] = lazy_formatter("e2b/data", "pandas", "DataFrame", frame_columns)
    formatters["e2b/chart"] = lazy_formatter(
        "e2b/chart", "matplotlib.figure", "Figure", figure_chart
    )
    formatters["application/json"] = JsonFormatter(parent=ip.display_formatter)

    def show_quietly(image):
        try:
            display(image)
        except Exception:
            pass

    def patch_image(module):
        save = module.Image.save
        if getattr(save, "_kruise_agents", False):
            return
        def save_and_show(self, fp, format=None, **params):
            result = save(self, fp, format, **params)
            if isinstance(fp, (str, os.PathLike)):
                show_quietly(self)
            return result
        save_and_show._kruise_agents = True
        save_and_show.__doc__ = save.__doc__
        module.Image.save = save_and_show

    def patch_image_show(module):
        class NotebookViewer(module.Viewer):
            # Image.show() has no screen here: display the image as a result instead.
            def show(self, image, **options):
                show_quietly(image)
                return 1
        module.register(NotebookViewer, order=-1)

    def after_import(name, patch):
        if name in sys.modules:
            patch(sys.modules[name])
            return
        import importlib.abc, importlib.util

        class Finder(importlib.abc.MetaPathFinder):
            def find_spec(self, fullname, path, target=None):
                if fullname != name:
                    return None
                sys.meta_path.remove(self)
                spec = importlib.util.find_spec(fullname)
                if spec is None or spec.loader is None:
                    return spec
                exec_module = spec.loader.exec_module
                def exec_and_patch(module):
                    exec_module(module)
                    try:
                        patch(module)
                    except Exception:
                        pass
                spec.loader.exec_module = exec_and_patch
                return spec

        sys.meta_path.insert(0, Finder())

    after_import("PIL.Image", patch_image)
    after_import("PIL.ImageShow", patch_image_show)
__kruise_agents_startup()
del __kruise_agents_startup
`;
