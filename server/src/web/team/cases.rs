//! The case list: tabs per stage, filters, a page of cases.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use kentongan_templates::strings::short_day;
use kentongan_templates::strings::{Lang, TeamError};
use kentongan_templates::{DueView, TeamCaseList, TeamCaseRow, TeamFilter};
use serde::Deserialize;

use super::*;
use crate::casework::{self};
use crate::store::Investigator;
use crate::workflow::{Due, Stage};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/team/view/cases", get(cases))
}

/// The case list's filters, as the filter form and the tab links send them.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    lang: Option<String>,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    category: String,
    page: Option<u32>,
}

/// Cases per page in the workspace.
const PAGE: u32 = 50;

/// The case list, as a fragment of the workspace page: filtered in the database
/// (`Store::list_cases`), with the counts per stage for the tabs.
async fn cases(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let me = match state.signed_in(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    let given = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    let page = q.page.unwrap_or(1).max(1);
    let args = casework::ListArgs {
        stage: given(&q.stage),
        assignee: given(&q.assignee),
        category: given(&q.category),
        overdue: q.due == "overdue",
        due_within: (q.due == "soon").then_some(2),
        sort: Some("newest".to_owned()),
        page,
        limit: PAGE,
    };
    let today = state.today();
    let Ok(query) = casework::case_query(&args, &state.0.categories, today, &state.0.deadlines)
    else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest);
    };
    let (list, investigators) = match (
        state.0.store.list_cases(&query).await,
        state.0.store.investigators().await,
    ) {
        (Ok(list), Ok(investigators)) => (list, investigators),
        (Err(e), _) | (_, Err(e)) => return store_refusal(lang, &e),
    };
    let categories = &state.0.categories;
    let rows = list
        .rows
        .iter()
        .map(|row| TeamCaseRow {
            id: row.id,
            stage: row.stage.slug().to_owned(),
            received: short_day(lang, row.created_on),
            due: due_view(lang, row.due(today, &state.0.deadlines), today),
            assignee: row.assignee.as_ref().map(|a| a.name.clone()),
            category: row
                .classification
                .as_deref()
                .map(|slug| categories.label(slug).to_owned()),
            last_activity: short_day(lang, row.last_activity_on),
        })
        .collect::<Vec<_>>();
    let shown = u64::from(query.offset).saturating_add(rows.len() as u64);
    let view = TeamCaseList {
        counts: Stage::ALL
            .iter()
            .map(|stage| (stage.slug().to_owned(), list.counts.get(*stage)))
            .collect(),
        total: list.total,
        more: shown < list.total,
        rows,
        filter: TeamFilter {
            stage: q.stage,
            due: q.due,
            assignee: q.assignee,
            category: q.category,
        },
        page,
        team: active_team(&investigators),
        categories: category_options(categories),
    };
    html(
        StatusCode::OK,
        kentongan_templates::team_cases(lang, &me.name, me.admin, &view),
    )
}

/// Where a case stands against its deadline, with the day readable; within 2 working days
/// (the list's "due soon" filter) it gets a badge.
pub(super) fn due_view(lang: Lang, due: Due, today: time::Date) -> DueView {
    match due {
        Due::OnTime { due } if due <= crate::workflow::add_working_days(today, 2) => {
            DueView::Soon(short_day(lang, due))
        }
        Due::OnTime { due } => DueView::OnTime(short_day(lang, due)),
        Due::DueToday { .. } => DueView::Today,
        Due::Overdue {
            working_days_late, ..
        } => DueView::Overdue(working_days_late),
        Due::Met => DueView::Met,
    }
}

pub(super) fn active_team(investigators: &[Investigator]) -> Vec<(i64, String)> {
    investigators
        .iter()
        .filter(|i| i.active)
        .map(|i| (i.id, i.name.clone()))
        .collect()
}

pub(super) fn category_options(
    categories: &crate::categories::Categories,
) -> Vec<(String, String)> {
    categories
        .iter()
        .map(|c| (c.slug.clone(), c.label.clone()))
        .collect()
}
