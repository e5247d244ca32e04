"""Write generated files, or check that the committed ones are what the generator writes."""
import os


def write_or_check(files, check=False):
    """files: {path: text}. Return the paths that are out of date (checking) or [] (after writing)."""
    stale = []
    for path, text in sorted(files.items()):
        if check:
            if not os.path.exists(path):
                stale.append(path)
                continue
            with open(path, encoding='utf-8') as handle:
                if handle.read() != text:
                    stale.append(path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(text)
    return stale
