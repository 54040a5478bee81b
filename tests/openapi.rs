//! The served OpenAPI document is snapshotted whole, so every API change is
//! a reviewed change (`INSTA_UPDATE=always cargo test --test openapi` after
//! an intended change, then review the diff).

mod common;

use common::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_stable() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json", None).await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/conferences/{id}/quote",
        "/api/v1/conferences/{id}/motions",
        "/api/v1/motions/{id}/amendments",
        "/api/v1/conferences/{id}/policy-submissions",
        "/api/v1/conferences/{id}/cac-nominations",
        "/api/v1/conferences/{id}/award-nominations",
        "/api/v1/submissions/{id}/review",
        "/healthz",
        "/readyz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("swagger"), "a Swagger UI page");
}
