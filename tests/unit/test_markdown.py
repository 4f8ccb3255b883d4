from portal.web.markdown import render_markdown


def test_markdown_renders_common_formatting():
    html = render_markdown("# Ordre du jour\n\n- **Budget**\n- [Lien](https://example.org)")
    assert "<h1>Ordre du jour</h1>" in html
    assert "<strong>Budget</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_script_and_raw_html_are_rendered_harmless():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_removed():
    html = render_markdown("[clic](javascript:alert(1))")
    assert 'href="javascript' not in html and "<a" not in html


def test_empty_source_is_empty():
    assert render_markdown(None) == ""
